"""The conversation: messages, answers as they stream, and the controller behind them."""
