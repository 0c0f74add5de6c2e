"""Text helpers, pure: normalisation and terms, sentence splitting, time words."""
