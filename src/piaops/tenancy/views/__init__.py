"""The tenancy pages, one module per subject: ``organisation`` (municipality, units, works, parties), ``people``
(people and their assignments), ``users`` (log-in accounts and roles); ``common`` holds the form-page body they
share. Only ``tenancy.urls`` imports them."""
