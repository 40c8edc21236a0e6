/** What an Azure Storage connection string says about the blob service. */
export interface ConnectionStringParts {
  account?: string;
  accountKey?: string;
  sasToken?: string;
  /** The blob service URL: BlobEndpoint, or built from protocol, account and suffix. */
  endpoint?: string;
}

/** Azurite's fixed development account, which `UseDevelopmentStorage=true` names (published by Microsoft, not a secret). */
const DEVELOPMENT_STORAGE: ConnectionStringParts = {
  account: 'devstoreaccount1',
  accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  endpoint: 'http://127.0.0.1:10000/devstoreaccount1',
};

/**
 * The parts of a connection string (`Key=value;…`, keys case-insensitive, as the portal gives it).
 * Parsed here rather than by the SDK so that the config's endpoint can override the string's
 * and errors never echo the string, which holds the secret.
 * @throws Error naming the key at fault, never a value.
 */
export function parseConnectionString(text: string): ConnectionStringParts {
  const fields = new Map<string, string>();
  for (const piece of text.split(';')) {
    if (piece.trim() === '') continue;
    const eq = piece.indexOf('=');
    if (eq <= 0) throw new Error('a connection string is a list of Key=value pairs separated by ;');
    fields.set(piece.slice(0, eq).trim().toLowerCase(), piece.slice(eq + 1).trim());
  }
  if (fields.get('usedevelopmentstorage')?.toLowerCase() === 'true') return { ...DEVELOPMENT_STORAGE };
  const account = fields.get('accountname');
  const parts: ConnectionStringParts = {};
  if (account !== undefined) parts.account = account;
  const key = fields.get('accountkey');
  if (key !== undefined) parts.accountKey = key;
  const sas = fields.get('sharedaccesssignature');
  if (sas !== undefined) parts.sasToken = sas;
  const blobEndpoint = fields.get('blobendpoint');
  if (blobEndpoint !== undefined) parts.endpoint = blobEndpoint;
  else if (account !== undefined) {
    const protocol = fields.get('defaultendpointsprotocol') ?? 'https';
    parts.endpoint = `${protocol}://${account}.blob.${fields.get('endpointsuffix') ?? 'core.windows.net'}`;
  }
  if (parts.accountKey === undefined && parts.sasToken === undefined) {
    throw new Error('the connection string has neither AccountKey nor SharedAccessSignature');
  }
  return parts;
}
