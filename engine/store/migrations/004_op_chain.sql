-- Each site chains its ops: prev is the hash of the op before (engine.Op
-- Hash), covered by the signature, so a receiver verifies one signature
-- per contiguous run instead of one per op. NULL for ops signed before.
ALTER TABLE ops ADD COLUMN prev BLOB;
