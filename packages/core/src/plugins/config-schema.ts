/**
 * The shape drivers describe their config with: plain data for docs, UIs and the CLI. Type
 * aliases, not interfaces, so they are assignable to the index-signature {@link JsonSchema}.
 */
export type ConfigPropertySchema = {
  readonly type: 'string' | 'integer' | 'boolean';
  readonly description: string;
  readonly required: boolean;
  readonly default?: string | number | boolean;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  /**
   * The value is a secret: never printed. `redactTarget`, `redactConfig` and `scrubSecrets`
   * (redact.ts) replace it wherever a target, a config or an error is shown.
   */
  readonly secret?: boolean;
};

/** A driver's config object, field by field. */
export type DriverConfigSchema<Config> = {
  readonly type: 'object';
  readonly description: string;
  readonly additionalProperties: false;
  readonly required: readonly string[];
  readonly properties: Readonly<Record<keyof Config & string, ConfigPropertySchema>>;
};
