import { strict as assert } from 'node:assert'
import { describeDetach, renderDevice, renderPool } from '../../src/cli/devices-view.js'
import type { DetachDetails, DeviceDetail, Pool } from '../../src/contract/devices.js'

describe('devices detach preview in words', function () {
  const details = (d: Partial<DetachDetails>): DetachDetails => ({
    licensedFrom: '2024-01-31',
    licenseDays: 365,
    usedDays: 36,
    returnedDays: 327,
    lostDays: 2,
    returnedLicense: null,
    tomorrow: { returnedDays: 326, lostDays: 2 },
    validUntilIfReassignedTomorrow: '2025-01-28',
    ...d,
  })

  it('the worked example: days used of the term, what goes back today and tomorrow', () => {
    assert.equal(
      describeDetach(details({})),
      '36 of 365 days used, 327 days go back to the pool as one license, 2 lost (detaching tomorrow: 326 days would go back); reassigned tomorrow, valid until 2025-01-28',
    )
  })

  it('a license used up (or expired long ago) says all its days are used, not 1002 of 327', () => {
    assert.equal(
      describeDetach(
        details({
          licensedFrom: '2024-03-07',
          licenseDays: 327,
          usedDays: 1002,
          returnedDays: 0,
          lostDays: 0,
          tomorrow: { returnedDays: 0, lostDays: 0 },
          validUntilIfReassignedTomorrow: null,
        }),
      ),
      'all 327 days used (1002 days since 2024-03-07), nothing goes back, 0 lost (detaching tomorrow: nothing would go back)',
    )
  })

  it('one day in the singular: never "1 days"', () => {
    assert.equal(
      describeDetach(
        details({
          licenseDays: 1,
          usedDays: 3,
          returnedDays: 1,
          lostDays: 0,
          tomorrow: { returnedDays: 1, lostDays: 0 },
          validUntilIfReassignedTomorrow: null,
        }),
      ),
      'its 1 day used (3 days since 2024-01-31), 1 day goes back to the pool as one license, 0 lost (detaching tomorrow: 1 day would go back)',
    )
    assert.match(describeDetach(details({ usedDays: 1, licenseDays: 2 })), /^1 of 2 days used, /)
  })
})

describe('devices show in words', function () {
  it('names a license of one day in the singular: never "1 days"', () => {
    const d: DeviceDetail = {
      serial: 'R1',
      name: null,
      site: null,
      model: null,
      category: 'router',
      licensed: true,
      expired: false,
      licensedFrom: '2026-01-20',
      licenseDays: 366,
      validUntil: '2027-01-20',
      daysLeft: 365,
      createdAt: '2026-01-01T00:00:00.000Z',
      licenses: [
        { name: 'K1-1', category: 'router', term: '1y', days: 365, key: 'K1' },
        { name: 'K2-1', category: 'router', term: 'returned', days: 1, key: null },
      ],
      history: [],
    }
    const line = renderDevice(d)
      .split('\n')
      .find((l) => l.includes('K1-1'))
    assert.match(line ?? '', /K1-1 \(365 days\), K2-1 \(1 day\)$/)
  })
})

describe('devices pool table', function () {
  it('shows the last day to assign each group, "-" for licenses that have none', () => {
    const pool: Pool = {
      groups: [
        {
          category: 'router',
          term: '1y',
          days: 365,
          assignableThrough: '2027-03-31',
          count: 2,
          licenses: ['K1-1', 'K1-2'],
        },
        { category: 'router', term: '1y', days: 365, assignableThrough: null, count: 1, licenses: ['K2-1'] },
      ],
      licenses: [],
    }
    const lines = renderPool(pool).split('\n')
    assert.match(lines[0]!, /Licenses\s+Assign by\s+Names/)
    assert.match(lines[1]!, /\s2\s+2027-03-31\s+K1-1, K1-2/)
    assert.match(lines[2]!, /\s1\s+-\s+K2-1/)
  })
})
