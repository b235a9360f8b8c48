/** Secrets created at run time (PBX signing secrets); Key Vault in Azure, memory locally. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}
