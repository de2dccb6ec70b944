"""The network edge: one adapter per platform, each speaking `h2h.models`."""
