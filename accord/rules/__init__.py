"""Pure business rules: no I/O, no clock (today is a parameter), unit-tested on their own."""
