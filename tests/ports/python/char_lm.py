# examples/char-lm.ts as PyTorch would write it: a pre-norm causal Transformer over the
# characters of examples/data/project-docs, AdamW + CosineAnnealingLR + clip_grad_norm_,
# 150 steps of 32 random windows, then the validation loss and a multinomial sample.
# The port must draw the same windows, dropout masks and samples, so every printed
# number is PyTorch's.
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, '..', '..', '..', 'examples', 'data', 'project-docs')
STEPS, BATCH, CONTEXT, LOG_INTERVAL, SAMPLE_LENGTH = 150, 32, 64, 50, 60


class CharLM(nn.Module):
    def __init__(self, vocab_size, d_model=64, nhead=4, num_layers=2, context=64, dropout=0.1):
        super().__init__()
        self.context = context
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.pos_emb = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=4 * d_model, dropout=dropout,
                                           batch_first=True, norm_first=True, activation='gelu')
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(T))
        mask = nn.Transformer.generate_square_subsequent_mask(T)
        h = self.encoder(x, mask=mask)
        return self.head(self.norm(h))


def random_windows(data, batch, context):
    starts = torch.randint(0, data.shape[0] - context - 1, (batch, 1))
    windows = data[starts + torch.arange(context + 1).unsqueeze(0)]
    return windows[:, :context], windows[:, 1:]


def evaluate(model, data):
    model.eval()
    T = model.context
    n = (data.shape[0] - 1) // T
    x = data[:n * T].view(n, T)
    y = data[1:n * T + 1].view(n, T)
    with torch.no_grad():
        loss = F.cross_entropy(model(x).reshape(-1, model.head.out_features), y.reshape(-1)).item()
    model.train()
    return loss


def sample(model, chars, ids, length, temperature=0.8):
    model.eval()
    with torch.no_grad():
        for _ in range(length):
            window = torch.tensor([ids[-model.context:]], dtype=torch.int64)
            logits = model(window)[:, -1] / temperature
            ids.append(torch.multinomial(F.softmax(logits, dim=-1), 1).item())
    model.train()
    return ''.join(chars[i] for i in ids)


torch.manual_seed(0)
train_text = open(os.path.join(CORPUS, 'train.txt'), encoding='utf-8').read()
valid_text = open(os.path.join(CORPUS, 'valid.txt'), encoding='utf-8').read()
chars = sorted(set(train_text))
index = {c: i for i, c in enumerate(chars)}
encode = lambda text: [index.get(c, index.get(' ', 0)) for c in text]
train_ids = encode(train_text)
train_data = torch.tensor(train_ids, dtype=torch.int64)
valid_data = torch.tensor(encode(valid_text), dtype=torch.int64)
counts = [0] * len(chars)
for i in train_ids:
    counts[i] += 1
entropy = -sum(c / len(train_ids) * math.log(c / len(train_ids)) for c in counts if c > 0)
print(f'{len(train_ids)} training characters, {len(chars)} distinct; unigram entropy {entropy:.3f} nats')

model = CharLM(len(chars), context=CONTEXT)
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS)
running = 0.0
for step in range(1, STEPS + 1):
    x, y = random_windows(train_data, BATCH, CONTEXT)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    running += loss.item()
    if step % LOG_INTERVAL == 0 or step == STEPS:
        n = LOG_INTERVAL if step % LOG_INTERVAL == 0 else step % LOG_INTERVAL
        print(f'step {step:5d} | train loss {running / n:.3f} | {running / n / entropy * 100:.0f}% of the unigram entropy')
        running = 0.0
valid_loss = evaluate(model, valid_data)
print(f'valid loss {valid_loss:.3f} nats (unigram entropy {entropy:.3f})')
print('sample:\n' + sample(model, chars, encode('flint '), SAMPLE_LENGTH))
