"""Login credentials shaped like the API's: adjective + animal + 3 digits usernames, and salted hashes of
passwords taken from our own short list of notoriously weak ones."""

from __future__ import annotations

import hashlib
import random
import uuid

ADJECTIVES = (
    "angry", "beautiful", "big", "black", "blue", "brown", "crazy", "golden",
    "green", "happy", "heavy", "lazy", "orange", "organic", "purple", "red",
    "sad", "silver", "small", "ticklish", "tiny", "white", "yellow",
)
ANIMALS = (
    "bear", "bird", "butterfly", "cat", "dog", "duck", "elephant", "fish",
    "frog", "goose", "gorilla", "koala", "ladybug", "leopard", "lion",
    "meercat", "mouse", "ostrich", "panda", "peacock", "rabbit", "snake",
    "swan", "tiger", "wolf", "zebra",
)
_PASSWORDS = (
    "123456", "password", "qwerty", "letmein", "dragon", "monkey", "sunshine",
    "football", "baseball", "shadow", "master", "superman", "batman",
    "trustno1", "iloveyou", "princess", "welcome", "abc123", "hello",
    "freedom", "whatever", "hunter", "ranger", "buster", "soccer", "hockey",
    "killer", "charlie", "starwars", "computer", "cookie", "summer", "winter",
    "pepper", "ginger", "tigger", "maggie", "cheese", "banana", "orange",
    "purple", "snoopy", "coffee", "chelsea", "yankees", "access", "mustang",
    "121212", "000000", "654321", "flower", "secret", "qwerty123", "111111",
    "passw0rd", "zxcvbnm", "asdfgh", "1q2w3e", "lovely", "michael",
)
_SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890"


def login(rng: random.Random) -> dict[str, str]:
    """The record's ``login`` object, in the API's key order; the uuid too comes from ``rng``."""
    password = rng.choice(_PASSWORDS)
    salt = "".join(rng.choices(_SALT_CHARS, k=8))
    raw = (password + salt).encode("utf-8")
    return {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "username": f"{rng.choice(ADJECTIVES)}{rng.choice(ANIMALS)}{rng.randrange(100, 1000)}",
        "password": password,
        "salt": salt,
        "md5": hashlib.md5(raw).hexdigest(),
        "sha1": hashlib.sha1(raw).hexdigest(),
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
