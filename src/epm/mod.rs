//! The Oracle EPM Cloud protocol: upload, removal job, job status and per-user outcomes.
