//! The `[optimizer]` table: the Adam/AdamW baselines and the library's optimizers, built into
//! the `ModuleOptimizer` a Burn `Learner` takes.

use std::ops::{Deref, DerefMut};

use burn::optim::ModuleOptimizer;
use burn_balanced_adam::record::OptimizerKind;
use burn_balanced_adam::{AnyOptimizerConfig, DualAdamConfig, FAdamConfig, InvAdamConfig};
use serde::de;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::adam::AdamSpec;
use super::balanced::{BalancedSpec, BetaSetting};

/// The `[optimizer]` table: which optimizer ([`OptimizerSpec`], tagged by `kind`) and whether
/// weight decay spares the model's biases and norms (`no_decay = true`: parameters of rank ≤ 1
/// get none). Reads and writes as one flat table; `no_decay` is written only when set, so run
/// directories from before it still resume.
#[derive(Debug, Clone)]
pub struct OptimizerSection {
    /// The optimizer and its hyper-parameters.
    pub spec: OptimizerSpec,
    /// No weight decay on parameters of rank ≤ 1.
    pub no_decay: bool,
}

impl Deref for OptimizerSection {
    type Target = OptimizerSpec;

    fn deref(&self) -> &OptimizerSpec {
        &self.spec
    }
}

impl DerefMut for OptimizerSection {
    fn deref_mut(&mut self) -> &mut OptimizerSpec {
        &mut self.spec
    }
}

impl From<OptimizerSpec> for OptimizerSection {
    fn from(spec: OptimizerSpec) -> Self {
        Self {
            spec,
            no_decay: false,
        }
    }
}

impl Serialize for OptimizerSection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if !self.no_decay {
            return self.spec.serialize(serializer);
        }
        let mut table = match toml::Value::try_from(&self.spec) {
            Ok(toml::Value::Table(t)) => t,
            Ok(_) => return Err(serde::ser::Error::custom("an optimizer is a table")),
            Err(e) => return Err(serde::ser::Error::custom(e)),
        };
        table.insert("no_decay".into(), toml::Value::Boolean(true));
        table.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for OptimizerSection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut table = toml::Table::deserialize(deserializer)?;
        let no_decay = match table.remove("no_decay") {
            None => false,
            Some(toml::Value::Boolean(b)) => b,
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "`optimizer.no_decay` = {other}: must be true or false"
                )));
            }
        };
        // `no_decay` is read here, beside the spec, so serde's list of the spec's keys lacks it.
        let spec = OptimizerSpec::deserialize(toml::Value::Table(table)).map_err(|err| {
            let text = err.to_string();
            de::Error::custom(if text.contains("unknown field") {
                format!("{text}; `no_decay` (true or false) is accepted too")
            } else {
                text
            })
        })?;
        Ok(Self { spec, no_decay })
    }
}

impl OptimizerSection {
    /// The `ModuleOptimizer` for `model`: [`OptimizerSpec::build`], and with `no_decay` a group
    /// of the model's parameters of rank ≤ 1 with the same optimizer minus its weight decay
    /// (and the same clipping).
    pub fn build_for<M: burn::module::Module>(&self, model: &M) -> Result<ModuleOptimizer, String> {
        let optim = self.spec.build()?;
        let group = match burn_balanced_adam::rank_one_params(model) {
            Some(group) if self.no_decay => group,
            _ => return Ok(optim),
        };
        match self.spec.without_weight_decay().resolve()? {
            Resolved::Library(config) => config
                .try_with_group(optim, group)
                .map_err(|e| e.to_string()),
            Resolved::Burn(spec, decoupled) => Ok(spec.burn_group(decoupled, optim, group)),
        }
    }
}

/// An optimizer spec resolved for building: a library optimizer, or Burn's own Adam
/// (`false`) / AdamW (`true`).
enum Resolved {
    Library(AnyOptimizerConfig),
    Burn(AdamSpec, bool),
}

/// Which optimizer trains the model: the library's [`AnyOptimizerConfig`] kinds, with two
/// settings that config cannot hold — Burn's own Adam/AdamW as a side-by-side implementation
/// (`implementation = "burn"`) and balanced Adam's `beta = "refresh"`, a β not decided until a
/// pilot run. Every hyper-parameter is checked by the library's `validate` ([`Self::validate`]);
/// names come from [`OptimizerKind`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerSpec {
    /// Adam (coupled L2 weight decay), the baseline: the library's drop-in fused form of Burn's
    /// `Adam` unless `implementation` says otherwise. ε defaults to PyTorch's and the papers'
    /// 1e-8, not Burn's 1e-5.
    Adam(AdamSpec),
    /// AdamW (decoupled weight decay), likewise.
    Adamw(AdamSpec),
    /// Balanced Adam, β₁ = β₂ = β: a fixed β, or `beta = "refresh"` for the refresh rule.
    BalancedAdam(BalancedSpec),
    /// InvAdam (DualAdam with ξ = 0).
    InvAdam(InvAdamConfig),
    /// DualAdam.
    DualAdam(DualAdamConfig),
    /// FAdam.
    Fadam(FAdamConfig),
}

impl OptimizerSpec {
    /// The library optimizer it names (Burn's own Adam/AdamW counts as the library's drop-in).
    pub fn optimizer_kind(&self) -> OptimizerKind {
        match self {
            OptimizerSpec::Adam(_) => OptimizerKind::Adam,
            OptimizerSpec::Adamw(_) => OptimizerKind::Adamw,
            OptimizerSpec::BalancedAdam(_) => OptimizerKind::BalancedAdam,
            OptimizerSpec::InvAdam(_) => OptimizerKind::InvAdam,
            OptimizerSpec::DualAdam(_) => OptimizerKind::DualAdam,
            OptimizerSpec::Fadam(_) => OptimizerKind::Fadam,
        }
    }

    /// The `kind` as written in configs: the library's name ([`OptimizerKind::name`]).
    pub fn kind(&self) -> &'static str {
        self.optimizer_kind().name()
    }

    /// Checks every hyper-parameter; the message names the key.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let named = |err: burn_balanced_adam::ConfigError| err.keyed("optimizer.");
        match self {
            // Burn's own Adam/AdamW takes the same hyper-parameters as the library's drop-in
            // forms, so the library checks them whichever implementation runs the step.
            OptimizerSpec::Adam(spec) | OptimizerSpec::Adamw(spec) => {
                let decoupled = matches!(self, OptimizerSpec::Adamw(_));
                spec.fused(decoupled)
                    .validate()
                    .map_err(|err| named(err.renamed("weight_decay.penalty", "weight_decay")))
            }
            OptimizerSpec::BalancedAdam(spec) => {
                let beta = match spec.beta {
                    BetaSetting::Fixed(beta) => beta,
                    BetaSetting::Refresh => {
                        if !(spec.r0.is_finite() && spec.r0 > 0.0) {
                            return Err(format!(
                                "`optimizer.r0` = {}: must be a finite number > 0",
                                spec.r0
                            ));
                        }
                        spec.pilot_beta
                    }
                };
                spec.with_beta(beta).validate().map_err(|err| {
                    if err.field() == "beta" && spec.beta == BetaSetting::Refresh {
                        format!(
                            "`optimizer.pilot_beta` = {}: must be in [0, 1)",
                            spec.pilot_beta
                        )
                    } else {
                        named(err)
                    }
                })?;
                spec.t_es
                    .estimate(&[burn_balanced_adam::t_es::ValidationPoint {
                        update: 1,
                        loss: 1.0,
                    }])
                    .map(|_| ())
                    .map_err(|err| format!("`optimizer.t_es`: {err}"))
            }
            OptimizerSpec::InvAdam(config) => config.validate().map_err(named),
            OptimizerSpec::DualAdam(config) => config.validate().map_err(named),
            OptimizerSpec::Fadam(config) => config.validate().map_err(named),
        }
    }

    /// The `ModuleOptimizer` for a run. Balanced Adam with `beta = "refresh"` has no β until
    /// its rule decides one from a pilot run ([`BalancedSpec::refresh_rule`]); building it
    /// before is an error.
    pub fn build(&self) -> Result<ModuleOptimizer, String> {
        match self.resolve()? {
            Resolved::Library(config) => config.try_init().map_err(|e| e.to_string()),
            Resolved::Burn(spec, decoupled) => Ok(spec.burn_init(decoupled)),
        }
    }

    /// The library optimizer this spec names (its `AnyOptimizerConfig`, which builds every
    /// optimizer of the crate), or Burn's own Adam/AdamW when `implementation = "burn"`.
    fn resolve(&self) -> Result<Resolved, String> {
        Ok(Resolved::Library(match self {
            OptimizerSpec::Adam(spec) | OptimizerSpec::Adamw(spec) => {
                let decoupled = matches!(self, OptimizerSpec::Adamw(_));
                match spec.library(decoupled) {
                    Some(config) => config,
                    None => return Ok(Resolved::Burn(spec.clone(), decoupled)),
                }
            }
            OptimizerSpec::BalancedAdam(spec) => match spec.beta {
                BetaSetting::Fixed(beta) => spec.with_beta(beta).into(),
                BetaSetting::Refresh => {
                    return Err(
                        "`optimizer.beta = \"refresh\"`: the rule decides β from a pilot \
                                run first (`experiments run` trains the pilot, then the main run)"
                            .into(),
                    );
                }
            },
            OptimizerSpec::InvAdam(config) => config.clone().into(),
            OptimizerSpec::DualAdam(config) => config.clone().into(),
            OptimizerSpec::Fadam(config) => config.clone().into(),
        }))
    }

    /// Its weight decay λ (0 when off).
    pub fn weight_decay(&self) -> f64 {
        match self {
            OptimizerSpec::Adam(s) | OptimizerSpec::Adamw(s) => s.weight_decay,
            OptimizerSpec::BalancedAdam(s) => match s.weight_decay_mode {
                burn_balanced_adam::WeightDecayMode::None => 0.0,
                _ => s.weight_decay,
            },
            OptimizerSpec::InvAdam(c) => c.weight_decay,
            OptimizerSpec::DualAdam(c) => c.weight_decay,
            OptimizerSpec::Fadam(c) => c.weight_decay,
        }
    }

    /// The same optimizer without weight decay.
    pub fn without_weight_decay(&self) -> OptimizerSpec {
        match self.clone() {
            OptimizerSpec::Adam(spec) => OptimizerSpec::Adam(AdamSpec {
                weight_decay: 0.0,
                ..spec
            }),
            OptimizerSpec::Adamw(spec) => OptimizerSpec::Adamw(AdamSpec {
                weight_decay: 0.0,
                ..spec
            }),
            OptimizerSpec::BalancedAdam(spec) => OptimizerSpec::BalancedAdam(BalancedSpec {
                weight_decay: 0.0,
                ..spec
            }),
            OptimizerSpec::InvAdam(c) => OptimizerSpec::InvAdam(c.with_weight_decay(0.0)),
            OptimizerSpec::DualAdam(c) => OptimizerSpec::DualAdam(c.with_weight_decay(0.0)),
            OptimizerSpec::Fadam(c) => OptimizerSpec::Fadam(c.with_weight_decay(0.0)),
        }
    }

    /// The β a balanced-Adam run uses, or `None` for the other optimizers.
    pub fn fixed_beta(&self) -> Option<f64> {
        match self {
            OptimizerSpec::BalancedAdam(BalancedSpec {
                beta: BetaSetting::Fixed(beta),
                ..
            }) => Some(*beta),
            _ => None,
        }
    }
}
