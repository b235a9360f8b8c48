/** What Key Vault accepts as a secret name; the memory store enforces it too, so local runs catch bad names. */
export const SECRET_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;

export class InvalidSecretNameError extends Error {
  constructor(readonly secretName: string) {
    super(
      `Invalid secret name ${JSON.stringify(secretName.slice(0, 140))}: use 1-127 letters, digits and hyphens`,
    );
    this.name = 'InvalidSecretNameError';
  }
}

/** Throws InvalidSecretNameError unless `name` is a valid Key Vault secret name. */
export function assertValidSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) throw new InvalidSecretNameError(name);
}
