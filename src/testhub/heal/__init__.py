"""Self-healing locators: fingerprints of the elements a test uses, Healenium/Similo-style scoring
of candidates when a locator breaks, a unique winner above a threshold or a refusal, and a heal
ledger with a proposed patch. An assertion's target is never healed."""
