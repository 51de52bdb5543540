import * as foundation from './0001-foundation.js'
import * as seats from './0002-seats.js'
import * as cloudAddons from './0003-cloud-addons.js'
import * as devices from './0004-devices.js'
import * as activations from './0005-activations.js'
import * as auditChain from './0006-audit-chain.js'
import * as rateLimits from './0007-rate-limits.js'
import * as releasedLeases from './0008-released-leases.js'
import * as expirationsInRange from './0009-expirations-in-range.js'
import * as activationHostCase from './0010-activation-host-case.js'
import * as retiredDeviceLicenses from './0011-retired-device-licenses.js'
import * as leaseHostCase from './0012-lease-host-case.js'
import * as byteOrderKeys from './0013-byte-order-keys.js'
import * as releasedLeaseHolders from './0014-released-lease-holders.js'
import * as retiredPools from './0015-retired-pools.js'
import * as deviceLicensesInRange from './0016-device-licenses-in-range.js'
import * as activationDeactivations from './0017-activation-deactivations.js'

/** Every migration, in order. Names sort in the order they must run. */
export const migrations = {
  '0001-foundation': foundation,
  '0002-seats': seats,
  '0003-cloud-addons': cloudAddons,
  '0004-devices': devices,
  '0005-activations': activations,
  '0006-audit-chain': auditChain,
  '0007-rate-limits': rateLimits,
  '0008-released-leases': releasedLeases,
  '0009-expirations-in-range': expirationsInRange,
  '0010-activation-host-case': activationHostCase,
  '0011-retired-device-licenses': retiredDeviceLicenses,
  '0012-lease-host-case': leaseHostCase,
  '0013-byte-order-keys': byteOrderKeys,
  '0014-released-lease-holders': releasedLeaseHolders,
  '0015-retired-pools': retiredPools,
  '0016-device-licenses-in-range': deviceLicensesInRange,
  '0017-activation-deactivations': activationDeactivations,
}
