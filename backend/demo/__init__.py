"""``rentflow demo``: a whole lease cycle against the sandbox emulators, with no external service.

``stack`` starts rentflow beside the emulated Bitrix24 portal, amoCRM account and an SMTP sink
on loopback; ``crms`` drives each CRM the way its users do; ``tenants`` holds the three
tenants and how each pays; ``cycle`` steps the simulated clock; ``report`` writes the folder.
"""
