/**
 * Host names compare without regard to case (DNS, RFC 4343): `BUILD-01` and `build-01` are one
 * host. Only ASCII letters fold, as in DNS, so the key is the same everywhere: here, and in the
 * database's own `host_key` columns (migration 0010 for activations, 0012 for seat leases), whose
 * expression folds A–Z alone on both dialects. A host is shown as it was first typed; it is
 * compared, and kept unique, by its key.
 */
export function hostKey(host: string): string {
  return host.replace(/[A-Z]/g, (c) => c.toLowerCase())
}
