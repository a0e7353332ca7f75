//! The five vendor models, embedded in the binary so that `creditsim quote aytada ...` works
//! from any directory. The files themselves stay in `scenarios/models/`, where an analyst can
//! copy one and load the copy by path.

/// The text of a built-in model, by vendor id.
pub(crate) fn text(id: &str) -> Option<&'static str> {
    match id {
        "aytada" => Some(include_str!("../../scenarios/models/aytada.toml")),
        "aibc" => Some(include_str!("../../scenarios/models/aibc.toml")),
        "videodraft" => Some(include_str!("../../scenarios/models/videodraft.toml")),
        "campaigns" => Some(include_str!("../../scenarios/models/campaigns.toml")),
        "aistudios" => Some(include_str!("../../scenarios/models/aistudios.toml")),
        _ => None,
    }
}
