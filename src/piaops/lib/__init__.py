"""Pure helpers: no Django app is imported here (calendar, check digits, My Number guard)."""
