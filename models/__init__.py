"""Learned models of fixstream: code encoder, structural features, ensemble dynamics
model, model-based rollouts (ModelEnv), replay buffer, trainer, checkpoints, and the
rules' reliability posteriors.

This package never imports ``streams``: the streaming layer depends on it.
"""

from models.checkpoint import (
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    save_checkpoint,
)
from models.dynamics import EnsemblePrediction, GaussianEnsemble, Normalizer
from models.encoder import (
    CodeEncoder,
    default_model_path,
    mean_pool,
    region_for_change,
    resolve_device,
)
from models.exceptions import (
    CheckpointError,
    ModelError,
    ModelNotAvailable,
    ModelNotTrained,
    ReplayBufferError,
)
from models.features import (
    DEFAULT_SYNTAX_KEYS,
    feature_names,
    feature_size,
    structural_features,
)
from models.learning import train_dynamics
from models.model_env import (
    ModelEnv,
    SequenceEvaluation,
    StepResult,
    model_inputs,
    training_data,
)
from models.reliability import BetaPosterior, ReliabilityBook
from models.replay import ReplayBuffer, TransitionBatch
from models.trainer import TrainingLog, train_ensemble
from models.types import Propagation, RewardFn, TerminationFn

__all__ = [
    "DEFAULT_SYNTAX_KEYS",
    "BetaPosterior",
    "CheckpointError",
    "CodeEncoder",
    "EnsemblePrediction",
    "GaussianEnsemble",
    "ModelEnv",
    "ModelError",
    "ModelNotAvailable",
    "ModelNotTrained",
    "Normalizer",
    "Propagation",
    "ReliabilityBook",
    "ReplayBuffer",
    "ReplayBufferError",
    "RewardFn",
    "SequenceEvaluation",
    "StepResult",
    "TerminationFn",
    "TrainingLog",
    "TransitionBatch",
    "default_model_path",
    "feature_names",
    "feature_size",
    "latest_checkpoint",
    "list_checkpoints",
    "load_checkpoint",
    "mean_pool",
    "model_inputs",
    "region_for_change",
    "resolve_device",
    "save_checkpoint",
    "structural_features",
    "train_dynamics",
    "train_ensemble",
    "training_data",
]
