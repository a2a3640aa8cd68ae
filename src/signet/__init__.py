"""Signet: a self-hosted identity service that speaks the AWS IAM API."""

__version__ = "0.1.0"
