"""Intent classifier: a linear model over TF-IDF word and character n-grams.

Chosen over DIET by `make benchmark` (docs/benchmarks.md, docs/design.md): on the held-out set
it answers as many questions right with fewer wrong facts, and it trains in about a second
instead of minutes, which brings `make train` within the two-minute target on two cores.

- Words (1-2-grams) and characters within words (2-4-grams), accents stripped and lowercased:
  visitors type "etudiants" as often as "étudiants", and "profesors" shares most of its
  character n-grams with "professors".
- Sublinear TF-IDF, then a logistic regression trained by stochastic gradient descent
  (scikit-learn's SGDClassifier, log loss): its probabilities feed the FallbackClassifier
  behind it in config.yml, which asks "did you mean ...?" when they are low or close.
- Fixed seed: the same data gives the same model.

The fitted model is stored in the Rasa model with skops, which loads only the types it knows
are safe; any other type in the file is refused.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

MODEL_FILE = "intent_classifier.skops"
# skops calls these "untrusted" only because they are not scikit-learn's own: the IDF weights
# are a SciPy sparse matrix. Anything else in the file stops the load.
TRUSTED_TYPES = ["scipy.sparse._csr.csr_matrix"]


class UntrustedModel(RasaException):
    """The stored classifier holds a type that skops does not trust: it is not loaded."""


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """TF-IDF n-grams and a logistic regression (SGD); see the module docstring."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 4],
            # L2 regularisation of the regression; lower fits the examples more closely.
            "alpha": 1e-5,
            "max_iter": 100,
            "random_seed": 1,
            "ranking_length": 10,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "skops"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    def _new_model(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import make_pipeline, make_union

        words = TfidfVectorizer(
            strip_accents="unicode",
            sublinear_tf=True,
            ngram_range=tuple(self.config["word_ngrams"]),
        )
        characters = TfidfVectorizer(
            strip_accents="unicode",
            sublinear_tf=True,
            analyzer="char_wb",
            ngram_range=tuple(self.config["char_ngrams"]),
        )
        regression = SGDClassifier(
            loss="log_loss",
            alpha=self.config["alpha"],
            max_iter=self.config["max_iter"],
            tol=1e-4,
            random_state=self.config["random_seed"],
        )
        return make_pipeline(make_union(words, characters), regression)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        intents = {m.get(INTENT) for m in examples}
        if len(intents) < 2:
            logger.warning(
                "LinearIntentClassifier: %d intent(s) in the training data, at least 2 are "
                "needed; no intent classifier is trained.",
                len(intents),
            )
            return self._resource
        model = self._new_model()
        model.fit([m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples])
        self.model = model
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        texts = [message.get(TEXT) or "" for message in messages]
        probabilities = self.model.predict_proba(texts)
        intents = self.model.classes_
        limit = self.config["ranking_length"]
        for message, row in zip(messages, probabilities, strict=True):
            order = row.argsort()[::-1]
            ranking = [
                {"name": str(intents[i]), "confidence": float(row[i])}
                for i in (order[:limit] if limit > 0 else order)
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self.model, directory / MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as directory:
                path = directory / MODEL_FILE
                unknown = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
                if unknown:
                    raise UntrustedModel(
                        f"{path.name} in the model holds types that are not trusted, so it is "
                        f"not loaded: {sorted(unknown)}. Train the model again."
                    )
                model = sio.load(path, trusted=TRUSTED_TYPES)
        except ValueError:
            # No stored classifier: the model was trained without intents (as Rasa's own
            # classifiers do, the assistant then runs without intent predictions).
            logger.warning("LinearIntentClassifier: no trained classifier in the model.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)
