"""The application layer: what each command does with the stages, apart from how it looks.

cli/ parses and renders; these modules tie sources, store, triage, draft and reply together."""
