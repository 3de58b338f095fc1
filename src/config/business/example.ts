/**
 * @module config/business/example
 * What `fastagent config example` prints: a commented business file using every section. A test checks it passes
 * `config check` (so it can never drift from the schema).
 */
export const EXAMPLE_BUSINESS_FILE = `# FastAgent business file. Point FASTAGENT_CONFIG at it (or at a folder of such files, one per business).
# Check it with:  fastagent config check business.yaml      Reload a running server with:  kill -HUP <pid>
# Unknown keys are errors, so a typo never passes silently.

business:
  name: Harbour Dental              # what the bot says it answers for
  timezone: Europe/Berlin           # IANA zone: hours, "tomorrow" and spoken times are in it
  language: en                      # en, de or es: the language the bot speaks and understands
  voice: marin                      # Realtime voice (optional; default OPENAI_VOICE)

# Weekly hours: days (mon, mon-fri, sat,sun) → spans (24-hour HH:MM; several spans with commas). Days not listed are closed.
hours:
  mon-thu: "08:00-12:00, 13:00-18:00"
  fri: "08:00-14:00"
  sat: "09:00-12:00"

# Dated exceptions in the business's time zone.
closed: ["2026-12-24", "2026-12-25", "2027-01-01"]
special_hours:
  "2026-12-31": "09:00-12:00"

# What callers can book. minutes = how long it takes (and how long its slots are, 5-480); synonyms = what callers call it.
services:
  - { id: checkup, name: Check-up, minutes: 30, synonyms: [examination, control] }
  - { id: cleaning, name: Dental cleaning, minutes: 60, synonyms: [hygiene, teeth cleaning] }
  - { id: emergency, name: Emergency appointment, minutes: 20, synonyms: [toothache, pain] }

# Optional staff or resources, each with their own hours (default: the business's) and services (default: all).
staff:
  - { name: Dr. Weber, services: [checkup, emergency], hours: { mon-thu: "08:00-12:00, 13:00-16:00" } }
  - { name: Anna Keller, services: [cleaning, checkup] }

# Rules every booking obeys.
booking:
  min_notice_minutes: 120           # no booking sooner than this from now
  horizon_days: 60                  # nor further ahead than this
  max_open_per_caller: 2            # upcoming bookings one phone number may hold

# Questions callers ask; the bot answers from these (and says it doesn't know otherwise).
faq:
  - q: Do you take new patients?
    a: Yes, we welcome new patients. Please bring your insurance card to the first visit.
  - q: Where can I park?
    a: There is free parking behind the building, entrance from Hafenstrasse.

# Optional per-language overrides of fixed lines ({business} = the name; {summary}, {what}, {task} where noted).
wording:
  en:
    greeting: "Hello, Harbour Dental, this is the virtual assistant. How can I help you today?"
    sms_dropped: "Harbour Dental: our call was cut off. Your {task} request is saved. Reply CALL and we'll call you back."
  de:
    greeting: "Guten Tag, Harbour Dental, hier ist die digitale Assistenz. Wie kann ich helfen?"

# Optional: your own tasks (README: "Your own tasks: forms and look-ups"). A form collects typed fields, reads them
# back and, once the caller says yes, POSTs them to your system (signed with the secret in secret_env, which must be
# set when the server starts); a look-up POSTs its fields and speaks your system's { "say": "…" } answer.
# Field types: text, date, time, number, phone, email, choice, yes_no.
tasks:
  - id: prescription_refill            # the tool's name; must not be a built-in one
    title: Prescription refill
    description: The caller wants a repeat prescription.
    fields:
      - { name: full_name, type: text, ask: "What is your full name?", min_length: 3, max_length: 80 }
      - { name: date_of_birth, type: date, ask: "What is your date of birth?" }
      - { name: medication, type: text, ask: "Which medication do you need?" }
      - { name: pickup, type: choice, ask: "Will you pick it up, or shall we deliver it?", options: [pickup, { value: delivery, synonyms: [deliver, send it, post] }] }
    confirm: "A refill of {medication} for {full_name}, born {date_of_birth}, for {pickup}. Shall I send it?"
    submit: { url: "https://clinic.example/refills", secret_env: REFILL_WEBHOOK_SECRET, caller: masked }
    done: "Your refill request is sent. The pharmacy will text you when it is ready."
  - id: order_status
    kind: lookup
    title: Order status
    description: The caller asks where their order is.
    fields: [{ name: order_number, type: text, ask: "What is your order number?", min_length: 4, max_length: 20 }]
    submit: { url: "https://shop.example/status", secret_env: SHOP_WEBHOOK_SECRET }

# Optional: book into the practice's own CalDAV calendar instead of FastAgent's database (README: "Booking into your
# own calendar"). Keep the password out of this file: leave it out and set CALDAV_PASSWORD.
# calendar:
#   url: https://cloud.example.com/remote.php/dav
#   username: reception
#   calendar: Appointments
#   caller_details: [name, number]   # what the event title may show about the caller; [] for nothing
`
