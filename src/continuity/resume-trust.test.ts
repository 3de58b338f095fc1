import { expect, test } from 'bun:test'
import { priorConversation, resumeTrust } from './resume-trust'
import { resumeSource } from './continuity'
import { callerText } from '../call/spoken-line'

const saved = [
  { role: 'caller', text: 'Book me for Friday.' },
  { role: 'tool', text: 'book_appointment({})' },
  { role: 'bot', text: 'What time on Friday?' },
  { role: 'system', text: 'phone connection lost' },
]

test('our dial-out and VAIC session.resume are verified; a matching caller ID is not', () => {
  expect(resumeTrust('dialout')).toBe('verified')
  expect(resumeTrust('session-resume')).toBe('verified')
  expect(resumeTrust('callback-number')).toBe('callerIdOnly')
  expect(resumeSource('c1', 'callback-number').trust).toBe('callerIdOnly')
  expect(resumeSource('c1', 'dialout', { number: '+14155550100', callbackId: 3 })).toEqual({ callId: 'c1', via: 'dialout', trust: 'verified', number: '+14155550100', callbackId: 3 })
})

test('only a verified return brings the earlier conversation (caller and bot lines, nothing else)', () => {
  expect(priorConversation('verified', saved)).toEqual([
    { role: 'user', text: callerText('Book me for Friday.') },
    { role: 'assistant', text: 'What time on Friday?' },
  ])
  expect(priorConversation('callerIdOnly', saved)).toEqual([])
})
