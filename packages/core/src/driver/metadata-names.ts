/** The suffix of a backup's `_metadata` object, Cinder's names and custom ones alike. */
const METADATA_SUFFIX = '_metadata';

/** True for the name of a backup's `_metadata` object. */
export function isMetadataName(name: string): boolean {
  return name.endsWith(METADATA_SUFFIX);
}
