"""The intent classifier of config.yml: trained, used, stored and loaded as Rasa does."""

from __future__ import annotations

import logging

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.linear_intent_classifier import LinearIntentClassifier, UntrustedModel

EXAMPLES = {
    "faq_founding": ["qui a fondé mila", "who founded mila", "fondateur de mila", "mila founder"],
    "faq_location": ["où est mila", "where is mila", "adresse de mila", "mila address"],
    "faq_students": ["combien d'étudiants", "how many students", "nombre d'etudiants"],
}


@pytest.fixture
def storage(tmp_path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="intents")


def trained(storage, resource: Resource, examples=EXAMPLES) -> LinearIntentClassifier:
    data = TrainingData(
        [Message(data={"text": t, "intent": i}) for i, texts in examples.items() for t in texts]
    )
    classifier = LinearIntentClassifier.create({}, storage, resource, context())
    classifier.train(data)
    return classifier


def classify(classifier: LinearIntentClassifier, text: str) -> Message:
    return classifier.process([Message(data={"text": text})])[0]


def test_intent_and_ranking_as_the_fallback_classifier_reads_them(storage):
    classifier = trained(storage, Resource("intents"))
    message = classify(classifier, "c'est qui le fondateur de mila")
    intent, ranking = message.get("intent"), message.get("intent_ranking")
    assert intent["name"] == "faq_founding"
    assert ranking[0] == intent
    assert [r["name"] for r in ranking].count("faq_founding") == 1
    assert len(ranking) == 3
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert all(type(r["confidence"]) is float for r in ranking)  # JSON, not numpy
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])


def test_accents_and_typos_land_on_the_same_intent(storage):
    classifier = trained(storage, Resource("intents"))
    assert classify(classifier, "combien d etudiants").get("intent")["name"] == "faq_students"
    assert classify(classifier, "were is mila").get("intent")["name"] == "faq_location"


def test_the_stored_model_answers_as_the_trained_one(storage):
    resource = Resource("intents")
    original = classify(trained(storage, resource), "adresse mila").get("intent_ranking")
    loaded = LinearIntentClassifier.load({}, storage, resource, context())
    assert classify(loaded, "adresse mila").get("intent_ranking") == original


def test_the_same_data_gives_the_same_model(storage):
    first = classify(trained(storage, Resource("a")), "mila fondateur").get("intent_ranking")
    second = classify(trained(storage, Resource("b")), "mila fondateur").get("intent_ranking")
    assert first == second


def test_without_intents_nothing_is_predicted_and_nothing_breaks(storage, caplog):
    with caplog.at_level(logging.WARNING):
        classifier = trained(storage, Resource("none"), {"greet": ["bonjour", "hello"]})
    assert "at least 2 are needed" in caplog.text
    assert classify(classifier, "bonjour").get("intent") is None
    loaded = LinearIntentClassifier.load({}, storage, Resource("none"), context())
    assert classify(loaded, "bonjour").get("intent") is None


def test_a_model_file_with_an_untrusted_type_is_refused(storage, monkeypatch):
    resource = Resource("intents")
    trained(storage, resource)
    monkeypatch.setattr("components.linear_intent_classifier.TRUSTED_TYPES", [])
    with pytest.raises(UntrustedModel, match="not trusted"):
        LinearIntentClassifier.load({}, storage, resource, context())


def test_empty_and_odd_messages_still_get_a_ranking(storage):
    classifier = trained(storage, Resource("intents"))
    for text in ["", "   ", "🙂🙂", "<script>alert(1)</script>", "x" * 100_000]:
        assert classify(classifier, text).get("intent")["name"] in EXAMPLES
