import { dayIn, daysLeft, isExpired, shownValidUntil } from '../../domain/device-days.js'
import { counted } from '../../domain/plural.js'
import { quote } from '../../domain/terminal-controls.js'
import { refusal, registerExplainer, subjectNotFound, validity, verdictsOf } from './explain.js'

// Devices: a device license is the device's, not a user's; the explanation says whether the device
// is in the organization, licensed, and through which day (the org's calendar day).
registerExplainer('device', async ({ db, org, now }, serial) => {
  const device = await db
    .selectFrom('devices')
    .innerJoin('device_categories', 'device_categories.id', 'devices.category_id')
    .select([
      'devices.serial',
      'devices.license_start',
      'devices.license_days',
      'device_categories.name as category',
    ])
    .where('devices.org_id', '=', org.id)
    .where('devices.serial', '=', serial)
    .executeTakeFirst()
  const targets = { exact: [serial] }
  if (!device)
    throw subjectNotFound(
      'device',
      serial,
      org,
      `an admin adds it (licctl devices add ${quote(serial)} --model …) before licensing it`,
    )
  const start = device.license_start
  if (start === null)
    return refusal(
      'device_unlicensed',
      `Device ${serial} (${device.category}) has no license: an admin can assign one from the pool (licctl devices assign ${serial}).`,
      { fact: 'device license', detail: 'none assigned' },
      targets,
    )
  const today = dayIn(now, org.time_zone)
  const until = shownValidUntil(start, device.license_days)
  const expired = isExpired(start, device.license_days, today)
  const verdict = verdictsOf(
    [
      {
        fact: 'device license',
        detail: `${counted(device.license_days, 'day')} from ${start}, ${validity(expired, until)}`,
      },
    ],
    targets,
  )
  if (expired)
    return verdict(
      false,
      'license_expired',
      `Device ${serial} (${device.category}) is not licensed: its license expired after ${until}. An admin can assign a new one from the pool (licctl devices assign ${serial}).`,
    )
  // As `expiry check` says it: `1 day left`, and `today is its last day` rather than `0 days left`.
  const left = daysLeft(start, device.license_days, today)
  return verdict(
    true,
    'ok',
    `Device ${serial} (${device.category}) is licensed through ${until} (${left === 0 ? 'today is its last day' : `${counted(left, 'day')} left`}).`,
  )
})
