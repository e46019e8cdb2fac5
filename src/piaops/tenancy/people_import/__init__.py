"""The HR (people) import: CSV/Excel files of units, people and assignments into the tenant's roster.

``tables`` reads and checks the files, ``services`` plans (dry run) and commits the import all or nothing,
``staging`` keeps the uploaded files between the preview and the confirmation, ``jobs`` runs the commit as a
background job, ``forms``, ``views`` and ``urls`` are the pages (``tenancy_import:*``).
"""
