"""Onboarding raw files: their format settings (_format.yml), UTF-8 transcoding and `sme-credit check`."""
