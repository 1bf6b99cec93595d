"""Direct messages: conversations of two or a group, on ``dm:{conversation}``."""
