//! What a network engine gets with a document the gateway hands it.

/// What the submission's envelope said for the network alone.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubmitOptions {
    /// SDI: the file name to submit under.
    pub file_name: Option<String>,
    /// Peppol: the AS4 MessageId (and SBDH InstanceIdentifier) to send with.
    pub message_id: Option<String>,
}
