import { Store } from '../../src/store/store'
import { storeContract } from './contract'

storeContract({ name: 'sqlite', fresh: () => Store.open(':memory:') })
