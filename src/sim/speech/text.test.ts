import { describe, expect, test } from 'bun:test'
import { keyWords, keysFound, keysNeeded, numberWords, spokenForm, writtenForm } from './text'

describe('spoken and written forms', () => {
  test('numbers in words', () => {
    expect(numberWords(0)).toBe('zero')
    expect(numberWords(10)).toBe('ten')
    expect(numberWords(45)).toBe('forty five')
    expect(numberWords(2024)).toBe('two zero two four')
  })
  test('the spoken form is dictionary words: brand split, digits and clock times in words', () => {
    expect(spokenForm('Hello, thank you for calling FastAgent Clinic.')).toBe('hello thank you for calling fast agent clinic')
    expect(spokenForm("We're open Monday to Sunday, 8 AM to 8 PM.")).toBe("we're open monday to sunday eight am to eight pm")
    expect(spokenForm('At 3:30 PM, or 9:05 a.m.?')).toBe('at three thirty pm or nine oh five am')
    expect(spokenForm('10AM')).toBe('ten am')
    expect(spokenForm("‘Let’s continue’ - 'quoted'")).toBe("let's continue quoted")
  })
  test('the written form puts clock times back in digits, as a transcription model writes them', () => {
    expect(writtenForm('ten am')).toBe('10 am')
    expect(writtenForm('book for tomorrow at ten a m')).toBe('book for tomorrow at 10 am')
    expect(writtenForm('three thirty pm')).toBe('3:30 pm')
    expect(writtenForm('nine oh five am')).toBe('9:05 am')
    expect(writtenForm('twelve forty five pm')).toBe('12:45 pm')
    expect(writtenForm('ten people')).toBe('ten people')
    for (const t of ['8 AM', '10:30 PM', '12 PM']) expect(writtenForm(spokenForm(t))).toBe(t.toLowerCase())
  })
})

describe('key words', () => {
  test('content words in order, each clock time one slot', () => {
    expect(keyWords('Book for tomorrow at 10 AM?')).toEqual(['book', 'tomorrow', '10 am'])
    expect(keyWords('What are your opening hours?')).toEqual(['opening', 'hours'])
    expect(keyWords("No, that's all I needed.")).toEqual(['no', 'all', 'needed'])
    expect(keyWords('how can i help')).toEqual(['help'])
  })
  test('found as whole words in recognized text, whichever form it is in', () => {
    const keys = keyWords('Book for tomorrow at 10 AM?')
    expect(keysFound(keys, 'book for tomorrow at ten am')).toEqual(['book', 'tomorrow', '10 am'])
    expect(keysFound(keys, 'appointment booked for tomorrow at 10 pm')).toEqual(['tomorrow'])
  })
  test('a step needs all of one or two key words, else three quarters', () => {
    expect([1, 2, 3, 4, 8, 9].map(keysNeeded)).toEqual([1, 2, 3, 3, 6, 7])
  })
})
