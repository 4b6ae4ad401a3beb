"""Placeholder page; replaced by its issue's page."""

import streamlit as st

st.title("setup")
