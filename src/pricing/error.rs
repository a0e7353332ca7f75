//! Everything that can go wrong loading a model, pricing an action or building an account.
//! Each message says what was given and what was expected, listing the valid ids, so that a
//! user can fix the input without reading the source.

use std::path::PathBuf;

/// Everything that can go wrong loading a model or pricing an action.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// Neither a built-in vendor id nor an existing model file.
    #[error("unknown vendor `{vendor}`: expected one of {valid}, or the path of a model file")]
    UnknownVendor {
        /// What was given.
        vendor: String,
        /// The built-in ids, comma-separated.
        valid: String,
    },
    /// A model file could not be read.
    #[error("cannot read model file {}", path.display())]
    Io {
        /// The model file as given to `Model::load`.
        path: PathBuf,
        /// The OS error, or the input size limit that was exceeded.
        source: std::io::Error,
    },
    /// A model file is not valid TOML, does not follow the schema, or is inconsistent.
    #[error("{file}:{line}:{column}: malformed model, field `{field}`: {message}")]
    Malformed {
        /// The file (or `built-in <id>`).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// The dotted path of the offending field, as far as it is known.
        field: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// A supplied value is refused: it names nothing, or the document already gives it.
    #[error("{vendor}: cannot supply {what}: {message}")]
    Supplied {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// What was supplied (`plan pro`, `currency`).
        what: String,
        /// Why it is refused.
        message: String,
    },
    /// The vendor has no such action.
    #[error("{vendor} has no action `{action}`: expected one of {valid}")]
    UnknownAction {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// What was given.
        action: String,
        /// The valid action ids.
        valid: String,
    },
    /// The action has no such parameter.
    #[error("{vendor} {action} has no parameter `{param}`: expected {valid}")]
    UnknownParam {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[actions]]` id whose parameters were given.
        action: String,
        /// What was given.
        param: String,
        /// The valid parameter names, or "no parameters".
        valid: String,
    },
    /// A parameter value is not allowed.
    #[error("{vendor} {action}: invalid value `{value}` for `{param}`: expected {expected}")]
    BadValue {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[actions]]` id being priced.
        action: String,
        /// Parameter name.
        param: String,
        /// What was given.
        value: String,
        /// What is allowed.
        expected: String,
    },
    /// A required parameter was not given.
    #[error("{vendor} {action}: missing required parameter `{param}` ({expected})")]
    MissingParam {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[actions]]` id being priced.
        action: String,
        /// The name of the required parameter that is absent.
        param: String,
        /// What it takes, for example `standard|pro` or `a whole number from 1`.
        expected: String,
    },
    /// A number grew past `u64`.
    #[error("{vendor} {action}: the cost overflows 64 bits")]
    Overflow {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[actions]]` id being priced, or `plan <id>` when a plan's allowance overflowed.
        action: String,
    },
    /// A recipe refers to itself, directly or through others.
    #[error("{vendor} {action}: recipes nest deeper than {limit} (a recipe refers to itself?)")]
    RecipeTooDeep {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[actions]]` id whose recipe was being expanded.
        action: String,
        /// The deepest recipe nesting allowed (`RECIPE_DEPTH_MAX` in `pricing::quote`).
        limit: usize,
    },
    /// The vendor has no such plan.
    #[error("{vendor} has no plan `{plan}`: expected one of {valid}")]
    UnknownPlan {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// What was given.
        plan: String,
        /// The valid plan ids, or "none (packs only)".
        valid: String,
    },
    /// The vendor has no such pack.
    #[error("{vendor} has no pack `{pack}`: expected one of {valid}")]
    UnknownPack {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// What was given.
        pack: String,
        /// The valid pack ids.
        valid: String,
    },
    /// The document names the pack but not its size or validity, and the model never
    /// invents them.
    #[error(
        "{vendor} pack `{pack}`: the vendor document gives no {missing}; a scenario supplies \
         them under [supplied] (pack_credits, pack_validity)"
    )]
    IncompletePack {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[packs]]` id that lacks credits or validity.
        pack: String,
        /// What is missing: "credits", "validity", or both.
        missing: String,
    },
    /// The pack (or add-on) can only be bought on an active plan.
    #[error("{vendor} pack `{pack}` requires an active plan: give one of {valid}")]
    PackNeedsPlan {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[packs]]` id asked for without a plan.
        pack: String,
        /// The plans that may buy it.
        valid: String,
    },
    /// The pack's `plans` list does not include the account's plan.
    #[error("{vendor} pack `{pack}` is not available on plan `{plan}`: it is for {valid}")]
    PackNotForPlan {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[packs]]` id asked for.
        pack: String,
        /// The account's plan id, which the pack's `plans` list leaves out.
        plan: String,
        /// The plans that may buy it.
        valid: String,
    },
    /// Add-on units were asked for on a plan that has none.
    #[error("{vendor} plan `{plan}` has no recurring add-on units; add-ons exist for {valid}")]
    NoAddon {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The account's plan id, or "no plan" for a packs-only account.
        plan: String,
        /// The plans that have add-ons, or "no plan".
        valid: String,
    },
    /// The document gives no allowance for the plan, and the model never invents one.
    #[error(
        "{vendor} plan `{plan}` has no allowance in the vendor document; copy the model file, \
         set `allowance` on the plan and pass the file's path"
    )]
    UnknownAllowance {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[plans]]` id whose `allowance` is absent.
        plan: String,
    },
    /// A per-seat plan needs at least one seat.
    #[error("{vendor} plan `{plan}` is priced per seat: seats must be at least 1")]
    NoSeats {
        /// The model's `id`, from the top-level key of its file.
        vendor: String,
        /// The `[[plans]]` id, one with `per_seat` set.
        plan: String,
    },
}

/// Joins ids for an error message: "`a`, `b`, `c`", or `empty` when there are none.
pub(crate) fn list<'a>(ids: impl IntoIterator<Item = &'a str>, empty: &str) -> String {
    let quoted: Vec<String> = ids.into_iter().map(|id| format!("`{id}`")).collect();
    if quoted.is_empty() {
        empty.to_string()
    } else {
        quoted.join(", ")
    }
}
