"""Makes a tiny, randomly initialised BERT sequence classifier (3 classes, 64 positions) as an ONNX
model folder for the ONNX teacher's tests, and prints PyTorch's logits for the texts given.

Usage: python make_tiny_classifier.py TOKENIZER_DIR OUT_DIR '["text", ...]'
Runs offline in the virtual environment of scripts/install-teacher-minilm.sh; the tokenizer files
come from TOKENIZER_DIR (all-MiniLM-L6-v2's).
"""
import json, shutil, sys
from pathlib import Path
import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification
source, out = Path(sys.argv[1]), Path(sys.argv[2])
texts = json.loads(sys.argv[3])
torch.manual_seed(0)
config = BertConfig(vocab_size=30522, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=32, max_position_embeddings=64, num_labels=3,
                    id2label={0: "a", 1: "b", 2: "c"}, label2id={"a": 0, "b": 1, "c": 2},
                    architectures=["BertForSequenceClassification"])
# Eager attention traces to plain MatMul/Softmax, valid for every batch and sequence length.
model = BertForSequenceClassification._from_config(config, attn_implementation="eager").eval()
with torch.no_grad():
    # Wide random weights, so that the logits differ clearly between texts.
    for parameter in model.parameters():
        torch.nn.init.normal_(parameter, std=0.5)
tokenizer = AutoTokenizer.from_pretrained(source)
class Logits(torch.nn.Module):
    def __init__(self, m):
        super().__init__(); self.m = m
    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits
names = ["input_ids", "attention_mask", "token_type_ids"]
batch = tokenizer(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
(out / "onnx").mkdir(parents=True, exist_ok=True)
with torch.no_grad():
    # Scored before the export, which leaves the module in training mode.
    logits = Logits(model)(*(batch[n] for n in names)).tolist()
    torch.onnx.export(Logits(model), tuple(batch[n] for n in names), str(out / "onnx" / "model.onnx"),
                      input_names=names, output_names=["logits"],
                      dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in names}, "logits": {0: "batch"}},
                      opset_version=17, dynamo=False)
config.save_pretrained(out)
for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]:
    shutil.copyfile(source / name, out / name)
print(json.dumps(logits))
