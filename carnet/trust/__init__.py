"""Known issuers: the issuers the platform recognises — its own organisations, and others its staff
add or import — so that a verification can say whether a valid credential comes from an issuer the
platform knows."""
