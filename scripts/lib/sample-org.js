// An organization as GET /v1/orgs/:slug answers it, for stand-in servers that answer one request
// without a database: the start-up bench and the start-up test.
export const SAMPLE_ORG = {
  slug: 'acme',
  name: 'Acme',
  contactEmail: null,
  contactPhone: null,
  contactAddress: null,
  perpetualLicenses: [],
  timeZone: 'UTC',
  devicePreference: 'shortest',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}
