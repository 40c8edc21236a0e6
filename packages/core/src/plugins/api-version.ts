/**
 * The plugin API version this core provides. A plugin's manifest `apiVersion` is a semver
 * range that must include it. Bumped in step with breaking changes to ObjectStore,
 * BackupDriver or the plugin shape.
 */
export const CORE_API_VERSION = '1.0.0';
