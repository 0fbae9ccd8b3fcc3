"""The ground every domain stands on: settings, engine and sessions, unit of work, audit chain, permissions,
errors, translations, actor, time, validators, per-process cache and bulk loading."""
