/** @module config/business/sections/faq — questions callers ask, with the answers the model gives. */
import { Type } from '@sinclair/typebox'
import { strict, Text } from './common'

export const FaqSection = Type.Array(strict({ q: Text(300), a: Text(1000) }), { maxItems: 200 })
