"""The upload engine: reading and checking rrweb recordings, the SDK's track requests, the
journal of acknowledged batches, and delivery."""
