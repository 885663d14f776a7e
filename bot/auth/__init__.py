"""Signing people in: checking the tokens Microsoft Entra ID issues to them."""
