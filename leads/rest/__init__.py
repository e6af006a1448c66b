"""The JSON door, /api/v1/ on Django REST framework: every write through the lead pipeline
(``leads.services``), API keys of API users, refusals as RFC 9457 problem documents, an
OpenAPI 3 schema (drf-spectacular), Idempotency-Key on POSTs, dry runs and batches."""
