"""Pure business rules of lease billing: no I/O, no frameworks, no ORM."""
