"""Operations on the data, one module per business area. Services take a session and never commit:
the caller (a request, an activity) owns the unit of work."""
