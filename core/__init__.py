"""The ground floor: helpers every app may use (errors, text, pagination, rate limits).

It imports no app of this project, so any app can import it.
"""
