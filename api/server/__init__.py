"""The HTTP face: a FastAPI app speaking the LangGraph Platform protocol and operator routes."""
