//! The RSA Cloud Access Service protocol: credentials, requests and what each answer means.
