import { Store } from '../../src/store/store'
import { storeContract } from './contract'

storeContract({
  name: 'sqlite',
  fresh: () => Store.open(':memory:'),
  // One instance by definition: "two instances" share its single writer (a second connection in the same process
  // would wait on the first's open transaction synchronously), which is what serialises their claims.
  pair: async () => {
    const s = await Store.open(':memory:')
    return [s, s] as const
  },
})
