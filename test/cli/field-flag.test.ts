import { strict as assert } from 'node:assert'
import { flagOf } from '../../src/cli/field-flag.js'

describe('cli: the flag a request field or a bulk column is given by', () => {
  it('is its name in kebab case, a nested field’s path joined by dashes', () => {
    assert.equal(flagOf('host'), 'host')
    assert.equal(flagOf('failWithin'), 'fail-within')
    assert.equal(flagOf('maxRoamingHours'), 'max-roaming-hours')
    assert.equal(flagOf('admin.email'), 'admin-email')
    assert.equal(flagOf('admin.contactPhone'), 'admin-contact-phone')
  })
})
