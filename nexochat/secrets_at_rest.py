"""Secrets the server stores and must read back (organizations' LLM API keys), encrypted at rest with
Fernet (AES-128-CBC with an HMAC-SHA256 over each token).

Keys come from FIELD_ENCRYPTION_KEYS: the first one encrypts, every one listed decrypts (MultiFernet),
so a key is rotated by putting a new one first and keeping the old one after it; `manage.py
reencrypt_secrets` then encrypts every stored secret with the new key, and the old one can go. Without
that setting one key is derived from SECRET_KEY, which ties the stored secrets to it: changing SECRET_KEY
then makes them unreadable. Production sets FIELD_ENCRYPTION_KEYS (`manage.py check --deploy` warns otherwise).
The key derived from SECRET_KEY always decrypts too, so secrets stored before FIELD_ENCRYPTION_KEYS was
set stay readable (as long as SECRET_KEY is unchanged) once it is."""

import base64
import binascii
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

FERNET_VERSION = 0x80
# version (1) + timestamp (8) + IV (16) + HMAC (32); the ciphertext between them is whole AES blocks.
_TOKEN_OVERHEAD = 57


class UnreadableSecret(Exception):
    """A stored secret that none of the configured keys decrypts."""


def encrypt(plaintext):
    """The Fernet token for `plaintext` ("" stays "": nothing stored)."""
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token):
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret(
            "The stored API key cannot be read: it was encrypted with a key that is not in "
            "FIELD_ENCRYPTION_KEYS (or, when that is unset, with another SECRET_KEY). Add the old key to "
            "FIELD_ENCRYPTION_KEYS, or enter the API key again on the organization's settings page."
        ) from None


def encrypted_property(field_name, doc=None):
    """A model property that reads and writes the plaintext of the Fernet token kept in `field_name`.
    A plain `property`, so Django's Model(**kwargs) and objects.create() accept it like a field."""
    return property(
        lambda instance: decrypt(getattr(instance, field_name)),
        lambda instance, value: setattr(instance, field_name, encrypt(value)),
        doc=doc,
    )


def is_current(token):
    """Whether the first key made `token`, so that re-encrypting it would change nothing."""
    try:
        _multi_fernet(_keys()[:1]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token):
    """`token` encrypted again with the first key (MultiFernet.rotate: same plaintext, same timestamp)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("No key in FIELD_ENCRYPTION_KEYS (or derived from SECRET_KEY) decrypts it.") from None


def looks_encrypted(value):
    """Whether `value` has the shape of a Fernet token (whichever key made it); API keys never do."""
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return False
    length = len(raw) - _TOKEN_OVERHEAD
    return raw[:1] == bytes([FERNET_VERSION]) and length > 0 and length % 16 == 0


@functools.lru_cache(maxsize=4)
def derived_key(secret_key):
    """A Fernet key derived from SECRET_KEY, for deployments that set no FIELD_ENCRYPTION_KEYS."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"nexochat", info=b"field encryption v1")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode()


def _keys():
    return (*settings.FIELD_ENCRYPTION_KEYS, derived_key(settings.SECRET_KEY))


def _fernet():
    return _multi_fernet(_keys())


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys):
    return MultiFernet([Fernet(key) for key in keys])
