/** A clinic's business file with a declared form (prescription_refill) and a look-up (order_status), for tests. */
import { parseBusinessText } from '../../src/config/business/load'
import type { Business } from '../../src/config/business/business'

export const clinic = (url: string, extra = '') => `business: { name: Harbour Clinic, timezone: UTC }
hours: { mon-fri: "09:00-17:00" }
tasks:
  - id: prescription_refill
    title: Prescription refill
    description: The caller wants a repeat prescription.
    fields:
      - { name: full_name, type: text, ask: "What is your full name?", min_length: 3 }
      - { name: date_of_birth, type: date, ask: "What is your date of birth?" }
      - { name: medication, type: text, ask: "Which medication do you need?" }
    confirm: "A refill of {medication} for {full_name}, born {date_of_birth}. Shall I send it?"
    submit: { url: "${url}/refills", secret_env: REFILL_SECRET, timeout_seconds: 1 }
    done: "Your refill request is sent. The pharmacy will text you when it is ready."
  - id: order_status
    kind: lookup
    title: Order status
    fields: [{ name: order_number, type: text, ask: "What is your order number?" }]
    submit: { url: "${url}/status", secret_env: REFILL_SECRET, caller: none }
${extra}`

export function businessOf(text: string): Business {
  const r = parseBusinessText(text, 'clinic.yaml', 'clinic')
  if (!r.ok) throw new Error(JSON.stringify(r.problems))
  return r.business
}

